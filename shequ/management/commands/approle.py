"""`shequ approle ROLE [--print]` (PostgreSQL): let the web server and the timers run as ROLE, a
login role that does not own the tables, so the application's own database account cannot lift
the audit log's guards.

Run it as the role that owns the tables (the one `shequ migrate` runs as), after every
`shequ migrate`. ROLE gets SELECT, INSERT, UPDATE and DELETE on every table (and on the tables
later migrations create, through default privileges) and the sequences, except:

- `audit_auditentry`: SELECT and INSERT, and UPDATE of the three columns the seal writes (the
  trigger still refuses any other change); no DELETE, no TRUNCATE;
- `audit_auditarchive`: SELECT only (an archive row is what lets archived rows go);
- `audit_maintenance`: nothing (its row is what lets the log be emptied);
- `django_migrations`: SELECT only.

Not owning the tables, ROLE can neither drop nor disable a trigger. What it cannot do is then
done as the owner: `shequ migrate`, `shequ audit archive`, `shequ restore`."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

GUARDED = ("audit_auditentry", "audit_auditarchive", "audit_maintenance", "django_migrations")


def statements(role: str, schema: str) -> list[str]:
    """The grants, in order; `role` and `schema` already quoted as identifiers."""
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"REVOKE ALL ON {', '.join(GUARDED)} FROM {role}",
        f"GRANT SELECT, INSERT ON audit_auditentry TO {role}",
        f"GRANT UPDATE (seq, prev_hash, row_hash) ON audit_auditentry TO {role}",
        f"GRANT SELECT ON audit_auditarchive, django_migrations TO {role}",
    ]


class Command(BaseCommand):
    help = _(
        "（PostgreSQL）授予应用运行所用的数据库角色所需权限：不拥有数据表，"
        "不能删除或清空审计日志、不能移除其触发器"
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help=_("应用运行所用的 PostgreSQL 登录角色（须已创建）"))
        parser.add_argument(
            "--print", action="store_true", dest="show", help=_("只打印SQL，不执行")
        )

    def handle(self, *args, role: str, show: bool = False, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                _("只适用于PostgreSQL；SQLite数据库是一个文件，由操作系统账号的权限保护")
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, current_schema(), quote_ident(%s), "
                "quote_ident(current_schema())",
                [role],
            )
            owner, schema, quoted_role, quoted_schema = cursor.fetchone()
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                [schema, "audit_auditentry"],
            )
            table_owner = (cursor.fetchone() or [None])[0]
        if found is None:
            raise CommandError(
                _("角色%(r)s不存在：请先创建，如 CREATE ROLE %(r)s LOGIN PASSWORD '…'")
                % {"r": role}
            )
        if table_owner is None:
            raise CommandError(_("数据库中还没有审计日志表：请先以表的所有者执行 shequ migrate"))
        if role in (owner, table_owner) or found[0]:
            raise CommandError(
                _("角色%(r)s是超级用户或数据表的所有者，不能作为应用的受限角色") % {"r": role}
            )
        if table_owner != owner:
            raise CommandError(
                _("请以数据表的所有者%(o)s执行本命令（当前为%(u)s）")
                % {"o": table_owner, "u": owner}
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
            if cursor.fetchone()[0]:
                raise CommandError(
                    _("角色%(r)s是%(o)s的成员，拥有其全部权限，不能作为受限角色")
                    % {"r": role, "o": owner}
                )
        sql = statements(quoted_role, quoted_schema)
        if show:
            self.stdout.write(";\n".join(sql) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for each in sql:
                cursor.execute(each)
        self.stdout.write(
            _(
                "已授权%(r)s：可读写业务数据，审计日志只能读取和追加；"
                "执行 shequ migrate、shequ audit archive、shequ restore 时请用所有者%(o)s"
            )
            % {"r": role, "o": owner}
        )

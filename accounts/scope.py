"""The one way to read records: through the user's place (DESIGN.md rule 2).

`Model.objects.visible_to(user)` gives what the user may see; `get_for_user` fetches one object
or answers 404; `get_for_user(..., perm=…)` also answers 403 when the role may not do that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from accounts.roles import Perm, has_perm

if TYPE_CHECKING:
    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet):
    """A queryset over records that carry a place path.

    Subclasses name the path field (`scope_path_field`) and the permission needed to read the
    rows at all (`scope_perm`)."""

    scope_path_field = "place_path"
    scope_perm = Perm.VIEW_RECORDS

    def visible_to(self, user: User) -> ScopedQuerySet:
        if not has_perm(user, self.scope_perm):
            return self.none()
        if user.scope_path == "":
            # The whole system: no filter, so rows without a place (a join that would drop
            # them) are included too.
            return self.all()
        return self.filter(**{f"{self.scope_path_field}__under": user.scope_path})


def require(user: User, perm: Perm) -> None:
    """403 unless the user's role grants `perm`."""
    if not has_perm(user, perm):
        raise PermissionDenied


def get_for_user(
    queryset: models.QuerySet[M] | type[M], user: User, *, perm: Perm | None = None, **lookup: Any
) -> M:
    """The object matching `lookup` within the user's place, or 404; with `perm`, 403 unless the
    role grants it. A miss on an object that exists elsewhere is written to the audit log."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager
    qs = queryset.all()
    if perm is not None:
        require(user, perm)
    require(user, qs.scope_perm)
    obj = qs.visible_to(user).filter(**lookup).first()
    if obj is None:
        existing = qs.model._default_manager.filter(**lookup).first()
        if existing is not None:
            from audit import services as audit

            audit.record(user, "access.out_of_scope", existing)
        raise Http404
    return obj

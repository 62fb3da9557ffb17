// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // The place switcher goes as soon as a place is chosen.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => {
      if (select.value) select.form.submit();
    });
  });
  // Buttons that need a second thought.
  document.querySelectorAll("[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
  // On a phone the menu starts folded.
  const menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(max-width: 760px)").matches) menu.open = false;
});

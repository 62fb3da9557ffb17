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
  // A print page's button opens the browser's print dialog.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  // On a phone the menu starts folded.
  const menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(max-width: 760px)").matches) menu.open = false;
});

// Import progress: poll the job's status and reload when it is finished.
document.addEventListener("DOMContentLoaded", () => {
  const card = document.querySelector("[data-poll]");
  if (!card) return;
  const bar = card.querySelector("progress");
  const done = card.querySelector("[data-done]");
  const tick = async () => {
    try {
      const response = await fetch(card.dataset.poll, { headers: { Accept: "application/json" } });
      const status = await response.json();
      if (bar) bar.value = status.percent;
      if (done) done.textContent = status.done;
      if (status.finished) {
        window.location.reload();
        return;
      }
    } catch (error) {
      // A missed poll is retried on the next tick.
    }
    window.setTimeout(tick, 1000);
  };
  window.setTimeout(tick, 1000);
});

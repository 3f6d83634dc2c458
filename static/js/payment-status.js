// The return page of a card payment still waiting for the provider's confirmation: ask the server every few
// seconds and show the page again as soon as the status changes (paid, failed). Without JavaScript the
// "Check again" button does the same by hand. No inline script: the page's CSP allows this file only.
(() => {
  const status = document.querySelector("[data-poll-url]");
  if (!status) return;
  const url = status.dataset.pollUrl;
  const note = document.querySelector("[data-poll-note]");
  const started = Date.now();
  const GIVE_UP_AFTER_MS = 3 * 60 * 1000;
  let delay = 1500;

  if (note) note.hidden = false;

  const check = async () => {
    try {
      const response = await fetch(url, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}});
      if (response.ok) {
        const body = await response.json();
        if (!body.pending) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // Offline for a moment: try again later.
    }
    if (Date.now() - started < GIVE_UP_AFTER_MS) {
      delay = Math.min(delay * 1.5, 10000);
      window.setTimeout(check, delay);
    } else if (note) {
      note.hidden = true;
    }
  };
  window.setTimeout(check, delay);
})();

// Live progress of an import job on the console's job page. A static file, not inline script: the CSP allows none.
// Polls the page's progress handler (JSON, behind the console's admin policy) and updates the figures; when the
// state changes it reloads the page, whose buttons and refused rows follow the state.
(function () {
  'use strict';
  var root = document.querySelector('[data-job-progress]');
  if (!root || root.getAttribute('data-ended') === 'true') {
    return;
  }

  var url = root.getAttribute('data-job-progress');
  var shownState = root.getAttribute('data-state');
  var number = new Intl.NumberFormat('en-US');
  var interval = 1000;

  function field(name, text) {
    var element = root.querySelector('[data-field="' + name + '"]');
    if (element) {
      element.textContent = text;
    }
  }

  function duration(seconds) {
    if (seconds < 60) { return Math.ceil(seconds) + ' s'; }
    if (seconds < 3600) { return Math.ceil(seconds / 60) + ' min'; }
    return (Math.round(seconds / 360) / 10) + ' h';
  }

  function show(job) {
    var counts = job.counts;
    var bar = root.querySelector('[data-field="bar"]');
    if (bar) {
      bar.value = job.progress || 0;
      bar.textContent = Math.round((job.progress || 0) * 100) + '%';
    }

    field('processed', number.format(counts.processed));
    field('total', job.total == null ? '—' : number.format(job.total));
    field('created', number.format(counts.created));
    field('linked', number.format(counts.linked));
    field('skipped', number.format(counts.skipped));
    field('refused', number.format(counts.refused));
    field('rate', job.rate == null ? '—' : number.format(Math.round(job.rate)) + ' rows/s');
    field('left', job.state === 'Running' && job.rate > 0 && job.total != null
      ? duration(Math.max(0, job.total - counts.processed) / job.rate) + ' left' : '');
  }

  function tick() {
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && job.state !== shownState) {
          window.location.reload();
          return;
        }

        if (job) {
          show(job);
        }

        window.setTimeout(tick, interval);
      })
      .catch(function () {
        // A network blip or a restart: try again at the next tick.
        window.setTimeout(tick, interval);
      });
  }

  window.setTimeout(tick, interval);
})();

// Reports → Social calendar: the vendored @event-calendar/core (window.EventCalendar), fed by the
// permission-checked JSON endpoint. Entries are text only; opening one goes to its page or log row.
(function () {
  "use strict";
  const target = document.querySelector("[data-crosspost-calendar]");
  const configNode = document.getElementById("crosspost-calendar-config");
  if (!target || !configNode || !window.EventCalendar) return;
  const config = JSON.parse(configNode.textContent);
  const form = document.querySelector("[data-crosspost-calendar-filters]");

  function load(info) {
    const params = new URLSearchParams(form ? new FormData(form) : undefined);
    params.set("start", info.start.toISOString());
    params.set("end", info.end.toISOString());
    return fetch(config.dataUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("calendar data: " + response.status);
      return response.json();
    });
  }

  const calendar = window.EventCalendar.create(target, window.EventCalendar.plugins, {
    view: "dayGridMonth",
    locale: config.locale,
    firstDay: 1,
    height: "auto",
    headerToolbar: {
      start: "prev,next today",
      center: "title",
      end: "dayGridMonth,timeGridWeek,listWeek",
    },
    buttonText: function (text) {
      return Object.assign({}, text, config.buttonText);
    },
    noEventsContent: config.noEvents,
    dayMaxEvents: true,
    eventSources: [{ events: load }],
    eventClick: function (info) {
      const url = info.event.extendedProps && info.event.extendedProps.url;
      if (url) window.location.assign(url);
    },
    eventDidMount: function (info) {
      info.el.dataset.status = info.event.extendedProps.status || "";
      info.el.setAttribute("title", info.event.title);
    },
  });

  if (form) {
    form.addEventListener("change", function () {
      calendar.refetchEvents();
    });
  }
})();

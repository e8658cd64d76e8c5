// Reports → Social calendar: the vendored @event-calendar/core (window.EventCalendar), fed by the
// permission-checked JSON endpoint. An entry opens a dialog (details, warnings, the per-platform
// preview, a date field to move it: the keyboard path); a movable entry can also be dragged.
// Every move can be undone for a few seconds. Entries are built as text (no HTML from the data).
(function () {
  "use strict";
  const target = document.querySelector("[data-crosspost-calendar]");
  const configNode = document.getElementById("crosspost-calendar-config");
  if (!target || !configNode || !window.EventCalendar) return;
  const config = JSON.parse(configNode.textContent);
  const text = config.text || {};
  const form = document.querySelector("[data-crosspost-calendar-filters]");
  const dialog = document.querySelector("[data-crosspost-entry-dialog]");
  const toast = document.querySelector("[data-crosspost-calendar-toast]");
  const UNDO_SHOWN_MS = 10000;
  let toastTimer = null;

  function load(info) {
    const params = new URLSearchParams(form ? new FormData(form) : undefined);
    params.set("start", info.start.toISOString());
    params.set("end", info.end.toISOString());
    return fetch(config.dataUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("calendar data: " + response.status);
      return response.json().then(function (events) {
        // The endpoint sends ISO times with their offset and no end; event-calendar draws no
        // entry from an offset string or without an end, so it gets Date objects (shown in the
        // browser's time zone) and a quarter of an hour.
        events.forEach(function (entry) {
          entry.start = new Date(entry.start);
          entry.end = entry.end ? new Date(entry.end) : new Date(entry.start.getTime() + 900000);
        });
        return events;
      });
    });
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": config.csrfToken, Accept: "application/json" },
      body: new URLSearchParams(data),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || text.failed);
        return body;
      });
    });
  }

  function formatWhen(iso) {
    return new Date(iso).toLocaleString(config.locale, { dateStyle: "medium", timeStyle: "short" });
  }

  function showToast(message, undoToken, isError) {
    if (!toast) return;
    clearTimeout(toastTimer);
    toast.replaceChildren();
    toast.dataset.kind = isError ? "error" : "info";
    toast.setAttribute("role", isError ? "alert" : "status");
    const span = document.createElement("span");
    span.textContent = message;
    toast.append(span);
    if (undoToken) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small button-secondary";
      button.textContent = text.undo;
      button.dataset.crosspostUndo = "";
      button.addEventListener("click", function () {
        post(config.undoUrl, { token: undoToken })
          .then(function () {
            showToast(text.undone);
            calendar.refetchEvents();
          })
          .catch(function (error) {
            showToast(error.message, null, true);
          });
      });
      toast.append(button);
    }
    toast.hidden = false;
    toastTimer = setTimeout(function () {
      toast.hidden = true;
    }, UNDO_SHOWN_MS);
  }

  function move(entryId, start, revert) {
    return post(config.moveUrl, { entry: entryId, start: start.toISOString() })
      .then(function (body) {
        showToast(text.moved.replace("%(when)s", formatWhen(body.start)), body.undo);
        calendar.refetchEvents();
        return true;
      })
      .catch(function (error) {
        if (revert) revert();
        showToast(error.message, null, true);
        return false;
      });
  }

  function localInputValue(date) {
    const pad = function (n) {
      return String(n).padStart(2, "0");
    };
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes())
    );
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function showPreview(props, into) {
    if (props.kind !== "post" || !props.channel || !props.page || !config.previewUrl) return;
    post(config.previewUrl, { channel: props.channel, page: props.page })
      .then(function (data) {
        into.replaceChildren(element("p", "crosspost-entry__preview-text", data.text));
        (data.thread || []).forEach(function (reply) {
          into.append(element("p", "crosspost-entry__preview-reply", reply));
        });
      })
      .catch(function () {
        into.replaceChildren();
      });
  }

  function openEntry(event) {
    if (!dialog) return;
    const props = event.extendedProps || {};
    const body = dialog.querySelector("[data-crosspost-entry-body]");
    body.replaceChildren();
    body.append(element("h2", "crosspost-entry__title", event.title));
    if (props.reshare) body.append(element("p", "crosspost-entry__reshare", text.reshare));
    body.append(element("p", "crosspost-entry__when", formatWhen(event.start)));
    if ((props.posts || []).length) {
      body.append(element("p", "crosspost-entry__posts-title", text.willPost));
      const list = element("ul", "crosspost-entry__posts", "");
      props.posts.forEach(function (planned) {
        list.append(element("li", "", planned.channel + " · " + formatWhen(planned.start)));
      });
      body.append(list);
    }
    if (props.paused) body.append(element("p", "help-block help-info crosspost-entry__paused", text.pausedHelp));
    if (props.words) body.append(element("p", "crosspost-entry__words", props.words));
    (props.warnings || []).forEach(function (warning) {
      body.append(element("p", "help-block help-warning crosspost-entry__warning", warning));
    });
    const preview = element("div", "crosspost-entry__preview");
    body.append(preview);
    showPreview(props, preview);
    if (props.url) {
      const link = element("a", "button button-secondary", text.open);
      link.href = props.url;
      body.append(link);
    }
    if (props.movable) {
      const moveForm = element("form", "crosspost-entry__move");
      const label = element("label", "", text.moveTo + " ");
      const input = document.createElement("input");
      input.type = "datetime-local";
      input.required = true;
      input.name = "start";
      input.value = localInputValue(event.start);
      label.append(input);
      const submit = element("button", "button", text.move);
      submit.type = "submit";
      moveForm.append(label, submit);
      moveForm.addEventListener("submit", function (submitEvent) {
        submitEvent.preventDefault();
        move(event.id, new Date(input.value)).then(function (ok) {
          if (ok) dialog.close();
        });
      });
      body.append(moveForm);
    } else {
      body.append(element("p", "crosspost-entry__fixed", text.notMovable));
    }
    if (!dialog.open) dialog.showModal();
  }

  const calendar = window.EventCalendar.create(target, window.EventCalendar.plugins, {
    view: "dayGridMonth",
    date: config.date ? new Date(config.date + "T12:00:00") : new Date(),
    locale: config.locale,
    firstDay: 1,
    height: "auto",
    headerToolbar: {
      start: "prev,next today",
      center: "title",
      end: "dayGridMonth,timeGridWeek,listWeek",
    },
    buttonText: function (buttons) {
      return Object.assign({}, buttons, config.buttonText);
    },
    noEventsContent: config.noEvents,
    dayMaxEvents: true,
    editable: true,
    eventDurationEditable: false,
    eventSources: [{ events: load }],
    eventContent: function (info) {
      const props = info.event.extendedProps || {};
      const wrap = element("span", "crosspost-entry");
      if (props.platform) {
        wrap.append(element("span", "crosspost-entry__icon", props.platform.charAt(0).toUpperCase()));
        wrap.lastChild.setAttribute("title", props.platform);
      }
      if ((props.warnings || []).length) wrap.append(element("span", "crosspost-entry__warn", "⚠"));
      if (props.reshare) wrap.append(element("span", "crosspost-entry__reshare", text.reshare));
      if (props.paused) wrap.append(element("span", "crosspost-entry__paused", text.paused));
      wrap.append(element("span", "crosspost-entry__label", info.event.title));
      if (props.words) wrap.append(element("span", "crosspost-entry__excerpt", props.words));
      return { html: wrap.outerHTML }; // built with textContent: no HTML from the data
    },
    eventClick: function (info) {
      openEntry(info.event);
    },
    eventDrop: function (info) {
      move(info.event.id, info.event.start, info.revert);
    },
    eventDidMount: function (info) {
      const props = info.event.extendedProps || {};
      info.el.dataset.status = props.status || "";
      info.el.dataset.entry = info.event.id;
      if (props.reshare) info.el.dataset.reshare = "";
      if ((props.warnings || []).length) info.el.dataset.warning = "";
      if (props.paused) info.el.dataset.paused = "";
      info.el.setAttribute("title", [info.event.title].concat(props.warnings || []).join("\n"));
      info.el.tabIndex = 0;
      info.el.setAttribute("role", "button");
      info.el.addEventListener("keydown", function (keyEvent) {
        if (keyEvent.key === "Enter" || keyEvent.key === " ") {
          keyEvent.preventDefault();
          openEntry(info.event);
        }
      });
    },
  });

  if (dialog) {
    dialog.querySelector("[data-crosspost-entry-close]").addEventListener("click", function () {
      dialog.close();
    });
  }
  if (form) {
    form.addEventListener("change", function () {
      calendar.refetchEvents();
    });
  }
})();

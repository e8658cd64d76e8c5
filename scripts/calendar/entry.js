// The one entry of the vendored calendar bundle: @event-calendar/core (MIT) with the month,
// week, list and drag views, exposed as window.EventCalendar for calendar.js.
// Svelte 5.60+ compiles this side-effect import into every component; the calendar's dist was
// compiled before that, so the bundle names it once (it sets up Svelte's DOM operations).
import "svelte/internal/init-operations";
import {
  createCalendar,
  destroyCalendar,
  DayGrid,
  Interaction,
  List,
  TimeGrid,
} from "@event-calendar/core";

window.EventCalendar = {
  create: createCalendar,
  destroy: destroyCalendar,
  plugins: [DayGrid, TimeGrid, List, Interaction],
};

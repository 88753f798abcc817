"""A per-user secret iCalendar feed of the tasks that have due dates (`/ical/<token>.ics`)."""

"""Working days and deadlines.

* ``models``: the holiday calendar (法定节假日 on weekdays and 调休 working weekends, one row per
  date that differs from the Monday–Friday rule, per State Council notice year) and the
  deadline events the nightly run records.
* ``workdays``: ``is_working_day``, ``add_working_days``, ``working_days_between``; a date
  whose year is not entered raises :class:`~gonghui.platform.calendar.workdays.CalendarYearMissing`.
* ``deadlines``: ``DeadlineRule`` declarations that apps register from ``AppConfig.ready()``.
* ``evaluate``: the nightly ``evaluate_deadlines`` run (warned / overdue / 督办 escalated).

This package imports no domain app: a rule's open items come from the app that registers it.
"""

"""Reminders that keep the plan alive: daily nudges, due dates of agreements made on real calls, progress.

- `models`: what the session keeps (settings, agreements, payments) in `session.extras["reminders"]`;
- `rules`: pure functions of time, settings, plan and agreements: what is due when;
- `progress`: the plan recomputed after payments and agreements, and the progress summary;
- `messages`: the words and buttons of a day's message;
- `scheduler`: session -> reminder rows (durable, in the store's database) -> message at send time;
- `machine`, `callflow`, `answers`: the `/remind` and `/call` dialogue's table, steps and typed answers.
"""

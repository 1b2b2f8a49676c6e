"""Private iCalendar feeds of a project (issue 15): a tokenised URL per user and project that calendar programs
subscribe to. `services` (create, revoke, record a fetch), `queries` (the feeds, the feed of a token, what a feed
lists), `ical` (the VCALENDAR), `views` (the feed and the Account → Calendar feeds pages)."""

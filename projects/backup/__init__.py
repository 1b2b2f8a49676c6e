"""Backups of the portal: one archive with the database and the uploaded files, and its checked restore.

`archive.backup_create` writes an archive (`manage.py backup`), `restore.backup_restore` restores one into an empty
database and media folder and compares the result with the archive's manifest (`manage.py restore`); `crypto`
encrypts archives when `PORTAL_BACKUP_KEY` is set; `database` holds what differs between PostgreSQL and SQLite.
The operator's side (schedule, off-host copy, keys, the restore drill) is in docs/DEPLOYING.md.
"""

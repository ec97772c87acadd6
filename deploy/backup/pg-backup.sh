#!/bin/sh
# SEKLIK's PostgreSQL backups: a dated custom-format dump of every service's schema, every
# BACKUP_EVERY_HOURS hours, dumps older than BACKUP_KEEP_DAYS days pruned.
#
# Run by the `backup` service of docker-compose.yml (the postgres image, this file mounted), and
# once, as written, by tests/integration/test_backup_restore.py, which restores what it writes.
# pg_dump reads the database from libpq's own PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD.
#
#   BACKUP_DIR          where the dumps go (default /backups, the `backups` volume)
#   BACKUP_SCHEMAS      pg_dump --schema pattern of the services' schemas (default seklik_*:
#                       POSTGRES_SCHEMA_PREFIX followed by the service's name)
#   BACKUP_EVERY_HOURS  hours between two dumps (default 6)
#   BACKUP_KEEP_DAYS    a dump older than this many days is deleted (default 14)
#   BACKUP_ONCE         set: one dump, its exit status, no loop (a test, a dump before upgrade)
set -u

dir=${BACKUP_DIR:-/backups}
schemas=${BACKUP_SCHEMAS:-seklik_*}
hours=${BACKUP_EVERY_HOURS:-6}
keep=${BACKUP_KEEP_DAYS:-14}

case $hours in '' | *[!0-9]* | 0)
    echo "BACKUP_EVERY_HOURS is '$hours': give a whole number of hours, 1 or more" >&2
    exit 2 ;;
esac
case $keep in '' | *[!0-9]*)
    echo "BACKUP_KEEP_DAYS is '$keep': give a whole number of days" >&2
    exit 2 ;;
esac
mkdir -p "$dir" || exit 2

while :; do
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    target="$dir/seklik-$stamp.dump"
    # Written beside, then renamed: a dump cut short never looks like a backup.
    if pg_dump --format=custom --schema="$schemas" --file="$target.partial"; then
        mv "$target.partial" "$target"
        status=0
        echo "$(date -u +%FT%TZ) backup $target ($(wc -c < "$target") bytes)"
        find "$dir" -maxdepth 1 -name 'seklik-*.dump' -mtime +"$keep" -print -delete |
            sed 's/^/pruned /'
    else
        status=$?
        rm -f "$target.partial"
        echo "$(date -u +%FT%TZ) backup FAILED (pg_dump exited $status); next try in" \
             "$hours h" >&2
    fi
    [ -n "${BACKUP_ONCE:-}" ] && exit "$status"
    sleep $((hours * 3600))
done

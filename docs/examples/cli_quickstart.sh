#!/usr/bin/env bash
# The command line in five commands: export, look up, import, target. Run it with the key in
# ACTION_NETWORK_API_KEY (or the emulator's, with ACTION_NETWORK_BASE_URL pointing at it):
#
#     bash docs/examples/cli_quickstart.sh
set -euo pipefail

# 1. Everyone, with their tags, as CSV (progress on a terminal; the file appears only when complete).
actionnetwork export people --with-tags --format csv -o people.csv

# 2. Only what changed since the last run of this line: people.watermark remembers where it stopped.
actionnetwork export people --since-file people.watermark -o changed.jsonl

# 3. One record, every field, as JSON: the first person of the export.
first_id=$(python3 -c 'import csv; print(next(csv.DictReader(open("people.csv")))["id"])')
actionnetwork get people "$first_id"

# 4. New people from your own system, created or updated by email, tagged; failures are
#    reported in new-people.failures.jsonl and the status is 1 if any row failed.
printf 'email,given_name\nann@example.org,Ann\nbo@example.org,Bo\n' > new-people.csv
actionnetwork import people --from new-people.csv --tag volunteer

# 5. A unique ID list (an "ID target" for emails) of everyone exported in step 1.
python3 -c 'import csv; print("\n".join(r["id"] for r in csv.DictReader(open("people.csv"))))' > ids.txt
actionnetwork unique-id-lists create "Everyone, $(date +%F)" --from ids.txt

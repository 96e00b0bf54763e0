#!/usr/bin/env bash
# Puts hub-manager on a hub VM: copies the binary over scp, then runs `hub-manager install` there
# over ssh (as root, through sudo when the login is not root). The --Key=value settings go to the
# remote config file, e.g.:
#   packaging/deploy-hub-with-manager.sh admin@hub-vm --Nas:Url=http://nas:8080 --Nas:Username=deploy
# HUB_MANAGER_BINARY picks another binary (default: artifacts/hub-manager next to this script);
# HUB_SSH_OPTS passes options to both ssh and scp (e.g. "-o Port=2222 -i ~/.ssh/hub").
set -euo pipefail

if (($# < 1)) || [[ $1 == -h || $1 == --help ]]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
host=$1; shift
for setting in "$@"; do
  [[ $setting == --*=* ]] || { echo "deploy: '$setting' is not a --Key=value setting" >&2; exit 2; }
done
binary=${HUB_MANAGER_BINARY:-$(cd "$(dirname "$0")/.." && pwd)/artifacts/hub-manager}
[[ -x $binary ]] || { echo "deploy: $binary is missing: run make publish" >&2; exit 1; }
read -r -a ssh_opts <<<"${HUB_SSH_OPTS:-}"

remote=/tmp/hub-manager.$$.$RANDOM
scp -q "${ssh_opts[@]}" "$binary" "$host:$remote"
# Quote every setting for the remote shell: a value must never become a command there.
settings=$(printf ' %q' "$@")
ssh "${ssh_opts[@]}" "$host" "chmod 0755 $remote && \
  if [ \"\$(id -u)\" -eq 0 ]; then $remote install$settings; else sudo $remote install$settings; fi; \
  status=\$?; rm -f $remote; exit \$status"

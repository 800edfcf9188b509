#!/usr/bin/env bash
# Debian packages for the PostgreSQL driver matrix (test/pg-drivers.test.ts): the Python, Java and
# Go clients it runs through the emulator. Safe to run again: apt is skipped when all are installed.
set -euo pipefail

packages=(
  python3-psycopg2
  python3-psycopg
  python3-asyncpg
  default-jdk-headless
  libpostgresql-jdbc-java
  golang-go
  golang-github-jackc-pgx-v4-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "install-pg-drivers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/bin/sh
# Stands in for Prisma's schema engine, which `prisma generate` does not run but would otherwise
# download (no network here). The test points PRISMA_SCHEMA_ENGINE_BINARY at this file.
echo "schema-engine stub: the connector matrix runs only prisma generate" >&2
exit 1

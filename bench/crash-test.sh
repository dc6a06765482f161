#!/usr/bin/env bash
# Kills RecoverableDirectoryWordCount many more times than CI does (CRASH_TEST_KILLS, default 200) and checks that
# the final counts equal the reference; then the same number of kills of the PostgreSQL exactly-once word count
# (tests/Sluice.Postgres.CrashApp; its tables must equal the reference; skipped with a message without PostgreSQL), then
# as many of the KafkaLogsToPostgres example fed from the mock cluster. The xunit timeout of the CI-sized test still applies per run, so the script
# runs the test in rounds of at most 60 kills.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${CRASH_TEST_KILLS:-200}
done_kills=0
while [ "$done_kills" -lt "$total" ]; do
  round=$(( total - done_kills < 60 ? total - done_kills : 60 ))
  echo "crash test: $round kills (done $done_kills of $total)"
  CRASH_TEST_KILLS=$round dotnet test tests/Sluice.Tests --filter "FullyQualifiedName~CrashTests" --nologo
  done_kills=$(( done_kills + round ))
done
echo "crash test: $total kills, every run ended with the reference counts"

done_kills=0
while [ "$done_kills" -lt "$total" ]; do
  round=$(( total - done_kills < 60 ? total - done_kills : 60 ))
  echo "postgres crash test: $round kills (done $done_kills of $total)"
  PG_CRASH_TEST_KILLS=$round dotnet test tests/Sluice.Postgres.Tests --filter "FullyQualifiedName~PostgresCrashTests" --nologo
  done_kills=$(( done_kills + round ))
done
echo "postgres crash test: $total kills, every run ended with tables equal to the reference"

# The seed's Kafka -> PostgreSQL pipeline (sluice run-example KafkaLogsToPostgres as a child, the mock cluster in the test,
# producing all along): its table must equal the reference over every line produced. Rounds of at most 40 kills
# (its lives are longer).
done_kills=0
while [ "$done_kills" -lt "$total" ]; do
  round=$(( total - done_kills < 40 ? total - done_kills : 40 ))
  echo "kafka -> postgres crash test: $round kills (done $done_kills of $total)"
  K2PG_CRASH_TEST_KILLS=$round dotnet test tests/Sluice.Examples.Tests --filter "FullyQualifiedName~KafkaLogsToPostgresCrashTests" --nologo
  done_kills=$(( done_kills + round ))
done
echo "kafka -> postgres crash test: $total kills, every run ended with the table equal to the reference"

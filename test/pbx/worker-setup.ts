// Runs in every worker of the real-PBX lane: a worker whose runner died (killed, interrupted) exits at
// once instead of carrying on alone, so its exit hooks stop its Asterisk (testkit/pbx-kit.ts) and its
// relay processes (testkit/system.ts).
process.once('disconnect', () => process.exit(130));

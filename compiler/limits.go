package compiler

// MaxValueRunes bounds every string and field name of a design. Real values are names, DNs, paths and URLs
// of at most a few hundred characters; a bound keeps one long value repeated into thousands of artifacts
// (a certificate template name lands in every request) from turning a small design into gigabytes of output.
// The decoder checks it, since it reads every string and name anyway (decodeInto in valuedecode.go).
const MaxValueRunes = 2048

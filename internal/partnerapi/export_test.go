package partnerapi

// DecodeUsage exposes the usage decoder to the benchmarks.
var DecodeUsage = decodeUsage

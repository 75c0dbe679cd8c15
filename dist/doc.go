// Package dist spreads one crawl run over workers on many machines through
// NATS JetStream, with one hub process as the only writer of the SQLite
// file.
//
// The hub enqueues one job per site on a work-queue stream whose subjects
// are sharded by the site's politeness key (its registrable domain by
// default); each shard has one durable pull consumer with MaxAckPending 1,
// so the server never hands two jobs of one key out at once, whichever
// machine asks. A worker fetches a job, runs the crawl function it is given
// (the same crawl and analysis as a local run; this package knows neither),
// keeps the lease alive with InProgress, publishes the result with the
// deterministic message id run/site and acks the job only once the publish
// is confirmed and the politeness delay since its last request has passed,
// or longer when the crawl says the site asked for more (a Retry-After, a
// robots.txt Crawl-delay). The job carries the hub's delay and crawl
// settings, so every worker crawls a run alike.
// The hub drains results in batches, hands them to a save function that
// must be idempotent, and acks each result after its commit. A job that
// exhausts MaxDeliver (a worker died on it every time, or it never
// finished) comes back to the hub as a failure through the max-deliveries
// advisory, which a stream captures so that a hub that was down meanwhile
// still sees it.
//
// Uptime probes scale the same way (probe.go): a ProbeHub publishes each
// target's probe task at a fixed phase within the interval with the id
// target@slot, ProbeWorkers probe with the prober they are given and send
// the samples back, and a task nobody took within its interval expires: a
// missing sample is no data, never "down".
//
// Imports: the root package egovbench (Target, Snapshot, Assessment) and
// the NATS client. It never imports crawler, analyzer, store or reports.
package dist

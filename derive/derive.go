// Package derive adds to a plan what the design implies but does not write: the endpoints internet clients
// reach, every network flow and the firewalls it passes, the certificates to request, each population's
// ccmsetup arguments and the proxies' routes. It reads and writes plan values only: the compiler (the CUE
// front end) builds the plan from the design and calls All; tests build small plans in Go.
//
// Passes tolerate unresolved references (a system, gateway or authority name the design does not
// define): rule IB211 reports those, and a pass skips what it cannot resolve.
package derive

import "github.com/ibcmc/ibcmc/plan"

// All runs every pass in the order their inputs need: flows, proxy routes and certificate requests read
// the endpoints; the plan's indexes must be built (plan.Reindex) before.
func All(p *plan.Plan) {
	Endpoints(p)
	Installs(p)
	Flows(p) // also places each flow on its firewalls, which reindexes the plan
	ProxyRoutes(p)
	CertRequests(p)
}

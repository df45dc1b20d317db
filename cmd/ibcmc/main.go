// Command ibcmc compiles a Configuration Manager internet-based client management (IBCM) and cloud
// management gateway design written in CUE into validated artifacts.
package main

import "os"

func main() {
	os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
}

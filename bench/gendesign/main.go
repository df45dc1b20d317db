// Command gendesign writes a generated benchmark design with N site systems to stdout.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ibcmc/ibcmc/bench"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendesign N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "gendesign: N must be a positive number")
		os.Exit(2)
	}
	fmt.Print(bench.Design(n))
}

// Command charla is the whole product: server, migrations, setup and tools.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := root().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "charla:", err)
		os.Exit(1)
	}
}

// Command gen compiles the contracts' TEAL sources with the LocalNet algod
// and writes their ARC-56 specs under arc56/. Run it with `go generate
// ./contracts` from the module root.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"

	"github.com/kinetic-compute/kinetic/contracts"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, "."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string) error {
	url, token, err := contracts.LocalNetEndpoint()
	if err != nil {
		return err
	}
	c, err := algod.MakeClient(url, token)
	if err != nil {
		return err
	}
	comp := contracts.AlgodCompiler{Client: c}
	for _, d := range contracts.Apps() {
		spec, err := contracts.BuildSpec(ctx, comp, d)
		if err != nil {
			return err
		}
		b, err := contracts.MarshalSpec(spec)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, contracts.SpecPath(d.Name))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes of approval program)\n", path, len(spec.ByteCode["approval"])*3/4)
	}
	return nil
}

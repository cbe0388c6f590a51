// Command geninspect writes N `docker inspect` documents for offline scale
// benchmarks: the real captures in testdata/inspect/risky.json, repeated
// with unique names and ids. Usage: go run ./bench/geninspect N > file.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "geninspect:", err)
		os.Exit(2)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: geninspect N")
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		return fmt.Errorf("N must be a positive integer, got %q", os.Args[1])
	}
	data, err := os.ReadFile("testdata/inspect/risky.json")
	if err != nil {
		return err
	}
	var docs []map[string]any
	if err := json.Unmarshal(data, &docs); err != nil {
		return fmt.Errorf("parse risky.json: %w", err)
	}
	out := make([]map[string]any, n)
	for i := range out {
		d := map[string]any{}
		for k, v := range docs[i%len(docs)] {
			d[k] = v
		}
		d["Name"] = fmt.Sprintf("/bench-%06d", i)
		d["Id"] = fmt.Sprintf("%064x", i)
		out[i] = d
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

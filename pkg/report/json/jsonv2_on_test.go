//go:build goexperiment.jsonv2

package json_test

// jsonErr picks the expected encoding/json error text: GOEXPERIMENT=jsonv2
// (set by the Makefile and CI for trivy) reimplements encoding/json on
// json/v2, whose errors give other offsets and field paths.
func jsonErr(_, v2 string) string { return v2 }

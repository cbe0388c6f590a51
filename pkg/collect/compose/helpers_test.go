package compose

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/isoaudit/isoaudit/pkg/audit"
)

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

func stringOf(a audit.Asset) string {
	data, err := json.Marshal(struct {
		A audit.Asset
		C *audit.Container
	}{a, a.Container})
	if err != nil {
		return fmt.Sprint(a)
	}
	return string(data)
}

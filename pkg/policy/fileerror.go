package policy

import "github.com/isoaudit/isoaudit/pkg/internal/yamlfile"

// FileError lists every problem found in a policy or waiver file, each
// with its line.
type FileError = yamlfile.FileError

// Problem is one problem at a line of a file.
type Problem = yamlfile.Problem

type problems = yamlfile.Problems

var (
	decodeStrict = yamlfile.DecodeStrict
	mappingValue = yamlfile.MappingValue
	lineOf       = yamlfile.LineOf
)

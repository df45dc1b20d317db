package compiler

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"
	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/internal/inputfile"
	"github.com/ibcmc/ibcmc/schema"
)

// MaxInputBytes caps each design file. Real designs are kilobytes; the cap keeps a stray multi-gigabyte
// file from exhausting memory before any diagnostic can be printed.
const MaxInputBytes = 32 << 20

// MaxTotalInputBytes caps all of a design's files together (a directory package of many files).
const MaxTotalInputBytes = 64 << 20

// UsageError is a problem with the invocation or the file system rather than with the design (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// schemaPrefix names the embedded schema in positions, so they can be told apart from the user's files.
const schemaPrefix = "<ibcmc schema>"

// The CUE runtime is not safe for concurrent use by one context; each compile gets its own context, and
// the schema instance is parsed once and reused (build.Instance is read-only after loading).
var (
	schemaOnce sync.Once
	schemaInst *build.Instance
	schemaErr  error
)

func loadSchemaInstance() (*build.Instance, error) {
	schemaOnce.Do(func() {
		insts := load.Instances([]string{"."}, &load.Config{
			FS:         schema.FS,
			FromFSPath: func(s string) string { return path.Join(schemaPrefix, s) },
		})
		schemaInst, schemaErr = insts[0], insts[0].Err
	})
	return schemaInst, schemaErr
}

// userInput is the user's design compiled on its own, with the ASTs it came from for label positions.
type userInput struct {
	value cue.Value
	files []*ast.File
	exprs []ast.Expr // JSON documents
}

// designInputs are the design files named on the command line, checked and sorted by kind.
type designInputs struct {
	cueFiles  []string
	dataFiles []string // .json, .yaml, .yml
	dir       string   // a directory holding one CUE package; then the lists are empty
	dirFirst  string   // its first .cue file, for errors without a position
	// data holds every file's content by absolute path, read once through a limiting reader; the CUE loader
	// reads these bytes (an overlay), never the file system, so a file cannot change or grow after the check.
	data map[string][]byte
}

// loadConfig is the CUE loader's configuration over the checked contents.
func (in *designInputs) loadConfig(dir string) *load.Config {
	overlay := make(map[string]load.Source, len(in.data))
	for p, b := range in.data {
		overlay[p] = load.FromBytes(b)
	}
	return &load.Config{Dir: dir, Overlay: overlay}
}

// content is what was read for a file the loader names, relative or absolute.
func (in *designInputs) content(name string) ([]byte, bool) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, false
	}
	b, ok := in.data[abs]
	return b, ok
}

// read takes a design file's bytes into the inputs, within the per-file and total caps.
func (in *designInputs) read(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return usagef("%v", err)
	}
	if _, dup := in.data[abs]; dup {
		return nil
	}
	used := 0
	for _, b := range in.data {
		used += len(b)
	}
	data, err := readDesignFile(p, min(MaxInputBytes, MaxTotalInputBytes-used))
	if err != nil {
		return err
	}
	in.data[abs] = data
	return nil
}

// readDesignFile reads a design file within budget bytes (inputfile bounds what is read, not what stat
// says).
func readDesignFile(p string, budget int) ([]byte, error) {
	data, err := inputfile.Read(p, budget)
	switch {
	case errors.Is(err, inputfile.ErrTooLarge) && budget < MaxInputBytes:
		return nil, usagef("%s: the design's files together are over the %d-byte limit", p, MaxTotalInputBytes)
	case errors.Is(err, inputfile.ErrTooLarge):
		return nil, usagef("%s: over the %d-byte limit for a design file", p, MaxInputBytes)
	case err != nil:
		return nil, usagef("%v", err)
	}
	return data, nil
}

// checkInputs checks that every path exists, is under the size cap and is of a supported kind. Problems
// are UsageErrors.
func checkInputs(paths []string) (*designInputs, error) {
	if len(paths) == 0 {
		return nil, usagef("no design given: name one or more .cue, .json or .yaml files, or a directory")
	}
	in := &designInputs{data: map[string][]byte{}}
	var dirs []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, usagef("%s: no such file or directory", p)
			}
			return nil, usagef("%v", err)
		}
		if st.IsDir() {
			dirs = append(dirs, p)
			continue
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".cue":
			in.cueFiles = append(in.cueFiles, p)
		case ".json", ".yaml", ".yml":
			in.dataFiles = append(in.dataFiles, p)
		default:
			return nil, usagef("%s: unsupported file type (want .cue, .json, .yaml or .yml)", p)
		}
		if err := in.read(p); err != nil {
			return nil, err
		}
	}
	if len(dirs) > 0 && (len(dirs) > 1 || len(in.cueFiles)+len(in.dataFiles) > 0) {
		return nil, usagef("give either one directory holding a CUE package or a list of files, not both")
	}
	if len(dirs) == 1 {
		entries, err := os.ReadDir(dirs[0])
		if err != nil {
			return nil, usagef("%v", err)
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
				// The entry may be a symlink: what it points to is read and checked, not the link.
				if err := in.read(filepath.Join(dirs[0], e.Name())); err != nil {
					return nil, err
				}
				if in.dirFirst == "" {
					in.dirFirst = filepath.Join(dirs[0], e.Name())
				}
			}
		}
		if in.dirFirst == "" {
			return nil, usagef("%s: directory holds no .cue files", dirs[0])
		}
		in.dir = dirs[0]
	}
	return in, nil
}

func loadInputs(ctx *cue.Context, inputs *designInputs, cwd string) (*userInput, diag.List, error) {
	in := &userInput{}
	var values []cue.Value
	var diags diag.List
	// addErr positions errors that CUE reports without one (a structural cycle, say) at the nearest label
	// the files write, or at the start of the file.
	// v is the files' value when they parsed (a conflict between them is explained from it).
	addErr := func(err error, files []*ast.File, file string, v cue.Value) {
		labels := positionsOf(files, nil, cwd)
		if _, ok := labels[fileKey]; !ok && file != "" {
			labels[fileKey] = diag.Pos{File: displayPath(absPath(file), cwd), Line: 1, Column: 1}
		}
		diags = append(diags, userDiagnostics(err, v, cwd, labels)...)
	}

	if inputs.dir != "" {
		v, files, err := loadCUE(ctx, []string{"."}, inputs.loadConfig(inputs.dir))
		if err != nil {
			addErr(err, files, inputs.dirFirst, v)
		} else {
			values = append(values, v)
			in.files = append(in.files, files...)
		}
	}
	if len(inputs.cueFiles) > 0 {
		v, files, err := loadCUE(ctx, inputs.cueFiles, inputs.loadConfig(""))
		if err != nil {
			addErr(err, files, inputs.cueFiles[0], v)
		} else {
			values = append(values, v)
			in.files = append(in.files, files...)
		}
	}
	for _, p := range inputs.dataFiles {
		data, _ := inputs.content(p)
		name := displayPath(p, cwd)
		if strings.EqualFold(filepath.Ext(p), ".json") {
			expr, err := cuejson.Extract(name, data)
			if err != nil {
				addErr(err, nil, p, cue.Value{})
				continue
			}
			v := ctx.BuildExpr(expr)
			if v.Err() != nil {
				addErr(v.Err(), nil, p, v)
				continue
			}
			values = append(values, v)
			in.exprs = append(in.exprs, expr)
		} else {
			f, err := extractYAML(name, data)
			if err != nil {
				diags = append(diags, yamlSyntaxDiagnostics(err, name, cwd)...)
				continue
			}
			v := ctx.BuildFile(f)
			if v.Err() != nil {
				addErr(v.Err(), []*ast.File{f}, p, v)
				continue
			}
			values = append(values, v)
			in.files = append(in.files, f)
		}
	}
	if len(diags) > 0 {
		return nil, diags, nil
	}
	v := values[0]
	for _, w := range values[1:] {
		v = v.Unify(w)
	}
	in.value = v
	return in, nil, nil
}

func loadCUE(ctx *cue.Context, args []string, cfg *load.Config) (cue.Value, []*ast.File, error) {
	insts := load.Instances(args, cfg)
	if len(insts) != 1 {
		return cue.Value{}, nil, fmt.Errorf("the design files must form one CUE package")
	}
	inst := insts[0]
	if inst.Err != nil {
		return cue.Value{}, nil, inst.Err
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return v, inst.Files, err // the files still place errors CUE reports without a position, and v explains conflicts
	}
	return v, inst.Files, nil
}

func designDef(ctx *cue.Context, load func() (*build.Instance, error)) (cue.Value, error) {
	inst, err := load()
	if err != nil {
		return cue.Value{}, fmt.Errorf("internal error: embedded schema: %w", err)
	}
	sv := ctx.BuildInstance(inst)
	if sv.Err() != nil {
		return cue.Value{}, fmt.Errorf("internal error: embedded schema: %w", sv.Err())
	}
	return sv.LookupPath(cue.ParsePath(schema.DesignSelector)), nil
}

// extractYAML parses a YAML design. A lone CR is a line break in YAML but panics CUE's YAML decoder
// (v0.17.1, found by FuzzCompileYAML); it is read as LF, which keeps every line and column. Any other
// panic of the decoder is reported as an error in the file rather than as a crash.
func extractYAML(name string, data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML decoder failed on this file: %v", r)
		}
	}()
	return cueyaml.Extract(name, loneCRToLF(data))
}

func loneCRToLF(data []byte) []byte {
	if !bytes.Contains(data, []byte{'\r'}) {
		return data
	}
	out := bytes.Clone(data)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// yamlSyntaxDiagnostics reports a YAML syntax error. The YAML decoder returns some errors ("found
// unexpected end of stream") as plain errors without a position; those point at the file.
func yamlSyntaxDiagnostics(err error, name, cwd string) diag.List {
	if _, ok := err.(cueerrors.Error); ok {
		return cueDiagnostics(err, cwd, nil)
	}
	return diag.List{{
		Code:     "IB000",
		Name:     "schema",
		Severity: diag.Error,
		Message:  strings.TrimPrefix(err.Error(), name+": "),
		Pos:      diag.Pos{File: name, Line: 1, Column: 1},
		Source:   "",
	}}
}

// cueDiagnostics reports CUE errors that no schema class explains (schemaerr.go builds those from data):
// syntax errors and evaluation errors in the user's own CUE, in CUE's words, positioned in the user's file.
func cueDiagnostics(err error, cwd string, labels positions) diag.List {
	var out diag.List
	seen := map[string]bool{}
	for _, e := range cueerrors.Errors(err) {
		_, p := selectorsOf(e.Path())
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		pos := userPos(e, cwd)
		if !pos.IsValid() && labels != nil {
			pos = labels.nearest(p)
		}
		// The schema's file name is internal; `ibcmc schema` prints the file as schema/design.cue.
		msg = strings.ReplaceAll(msg, schemaPrefix+"/", "schema/")
		key := pos.String() + "|" + p + "|" + msg
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, diag.Diagnostic{
			Code:     "IB000",
			Name:     "schema",
			Severity: diag.Error,
			Message:  msg,
			Path:     p,
			Pos:      pos,
			Source:   "",
		})
	}
	return out
}

// userPos picks the first position of an error that lies in a user file.
func userPos(e cueerrors.Error, cwd string) diag.Pos {
	cands := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range cands {
		if !p.IsValid() || strings.HasPrefix(p.Filename(), schemaPrefix) {
			continue
		}
		return diag.Pos{File: displayPath(p.Filename(), cwd), Line: p.Line(), Column: p.Column()}
	}
	return diag.Pos{}
}

// displayPath makes a file name relative to the working directory, with forward
// slashes, so diagnostics and provenance headers are the same on every machine.
func displayPath(name, cwd string) string {
	if name == "" {
		return ""
	}
	if cwd != "" && filepath.IsAbs(name) {
		if rel, err := filepath.Rel(cwd, name); err == nil {
			name = rel
		}
	}
	return filepath.ToSlash(name)
}

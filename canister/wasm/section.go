package wasm

import "fmt"

// SectionID identifies a known section of a module.
type SectionID byte

// Section ids as in the binary format. Sections appear in a fixed order which
// is not the numeric one: DataCount precedes Code.
const (
	SectionCustom    SectionID = 0
	SectionType      SectionID = 1
	SectionImport    SectionID = 2
	SectionFunction  SectionID = 3
	SectionTable     SectionID = 4
	SectionMemory    SectionID = 5
	SectionGlobal    SectionID = 6
	SectionExport    SectionID = 7
	SectionStart     SectionID = 8
	SectionElement   SectionID = 9
	SectionCode      SectionID = 10
	SectionData      SectionID = 11
	SectionDataCount SectionID = 12

	numSectionIDs = 13
)

// sectionOrder lists the non-custom sections in the order the binary format requires.
var sectionOrder = [...]SectionID{
	SectionType, SectionImport, SectionFunction, SectionTable, SectionMemory,
	SectionGlobal, SectionExport, SectionStart, SectionElement, SectionDataCount,
	SectionCode, SectionData,
}

// sectionRank is the position of each section id in sectionOrder.
var sectionRank = [numSectionIDs]int{
	SectionCustom: -1, SectionType: 0, SectionImport: 1, SectionFunction: 2,
	SectionTable: 3, SectionMemory: 4, SectionGlobal: 5, SectionExport: 6,
	SectionStart: 7, SectionElement: 8, SectionDataCount: 9, SectionCode: 10,
	SectionData: 11,
}

var sectionNames = [numSectionIDs]string{
	"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "datacount",
}

// String is the section's name as used in error messages ("code", "data").
func (id SectionID) String() string {
	if int(id) < len(sectionNames) {
		return sectionNames[id]
	}
	return fmt.Sprintf("section(%d)", byte(id))
}

// sectionCodec reads and writes the payload of one non-custom section kind.
// Each kind's pair lives in the file named after the section (type.go,
// import.go, ...); custom sections, which may appear anywhere, are handled by
// Decode and Encode themselves (custom.go).
type sectionCodec struct {
	// decode parses the payload into m; Decode checks that it used all of it.
	decode func(m *Module, r *reader) error
	// append appends the payload to b, or nothing when m has no content for
	// the section and keepEmpty is false (an empty vector section the input
	// had is kept as a zero count).
	append func(m *Module, b []byte, keepEmpty bool) []byte
}

var sectionCodecs = [numSectionIDs]sectionCodec{
	SectionType:      {(*Module).decodeTypeSection, (*Module).appendTypeSection},
	SectionImport:    {(*Module).decodeImportSection, (*Module).appendImportSection},
	SectionFunction:  {(*Module).decodeFunctionSection, (*Module).appendFunctionSection},
	SectionTable:     {(*Module).decodeTableSection, (*Module).appendTableSection},
	SectionMemory:    {(*Module).decodeMemorySection, (*Module).appendMemorySection},
	SectionGlobal:    {(*Module).decodeGlobalSection, (*Module).appendGlobalSection},
	SectionExport:    {(*Module).decodeExportSection, (*Module).appendExportSection},
	SectionStart:     {(*Module).decodeStartSection, (*Module).appendStartSection},
	SectionElement:   {(*Module).decodeElementSection, (*Module).appendElementSection},
	SectionCode:      {(*Module).decodeCodeSection, (*Module).appendCodeSection},
	SectionData:      {(*Module).decodeDataSection, (*Module).appendDataSection},
	SectionDataCount: {(*Module).decodeDataCountSection, (*Module).appendDataCountSection},
}

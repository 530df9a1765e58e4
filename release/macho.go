package main

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"os"
)

// fatAlign is the alignment of each architecture's image inside a universal
// binary, as a power of two: 2^14, the arm64 page size, which also suits
// x86_64 (whose pages are 2^12).
const fatAlign = 14

// writeUniversal joins thin Mach-O executables into one universal ("fat")
// binary, as lipo -create does, so that one file in the Claude Desktop
// bundle runs natively on Intel and Apple silicon Macs. The layout is
// Apple's fat_header and fat_arch records, big-endian, followed by each
// image at an aligned offset.
func writeUniversal(out string, thin ...string) error {
	type image struct {
		cpu    macho.Cpu
		subCpu uint32
		data   []byte
	}
	images := make([]image, 0, len(thin))
	for _, path := range thin {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := macho.NewFile(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s is not a thin Mach-O file: %w", path, err)
		}
		images = append(images, image{cpu: f.Cpu, subCpu: f.SubCpu, data: data})
	}
	const headerSize, archSize = 8, 20
	align := func(n int) int { return (n + 1<<fatAlign - 1) &^ (1<<fatAlign - 1) }
	var buf bytes.Buffer
	be := binary.BigEndian
	buf.Write(be.AppendUint32(be.AppendUint32(nil, macho.MagicFat), uint32(len(images))))
	offset := align(headerSize + archSize*len(images))
	offsets := make([]int, len(images))
	for i, img := range images {
		offsets[i] = offset
		rec := be.AppendUint32(nil, uint32(img.cpu))
		rec = be.AppendUint32(rec, img.subCpu)
		rec = be.AppendUint32(rec, uint32(offset))
		rec = be.AppendUint32(rec, uint32(len(img.data)))
		rec = be.AppendUint32(rec, fatAlign)
		buf.Write(rec)
		offset = align(offset + len(img.data))
	}
	for i, img := range images {
		buf.Write(make([]byte, offsets[i]-buf.Len()))
		buf.Write(img.data)
	}
	return os.WriteFile(out, buf.Bytes(), 0o755)
}

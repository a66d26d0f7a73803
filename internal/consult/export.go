package consult

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// The exports' encodings. Rows are written as they are read from the
// database; a writer holds at most one CSV buffer, one gzip window or one
// Parquet row group (RowGroupRows rows), whatever the range.

// TimeLayout is how the CSV exports write a reading's time: RFC 3339 in
// UTC to the millisecond, the precision readings are stored at.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// RowGroupRows is the size of a Parquet export's row groups: the
// writer's memory is about one group's worth of columns.
const RowGroupRows = 64 * 1024

// flushEvery is how many CSV rows are written between flushes of the
// CSV buffer to the response.
const flushEvery = 4096

// Row is one reading of a cohort export: the installation as the
// caller's pseudonym, the stream by its key, kind and unit, the time and
// the value. It is also the Parquet schema (column names and types).
type Row struct {
	Installation string    `parquet:"installation,dict"`
	Stream       string    `parquet:"stream,dict"`
	Kind         string    `parquet:"kind,dict"`
	Unit         string    `parquet:"unit,dict"`
	Time         time.Time `parquet:"time,timestamp(millisecond)"`
	Value        float64   `parquet:"value"`
}

// CohortColumns are the cohort CSV's header, in the columns' order.
var CohortColumns = []string{"installation", "stream", "kind", "unit", "time", "value"}

// StreamColumns are one stream's CSV header.
var StreamColumns = []string{"time", "value"}

// RowWriter writes an export row by row; Close ends the file (the CSV's
// last bytes, the gzip trailer, the Parquet footer) without closing the
// underlying writer.
type RowWriter interface {
	Write(Row) error
	Close() error
}

// csvWriter writes rows as CSV with a header, optionally gzip-compressed.
type csvWriter struct {
	gz     *gzip.Writer // nil: plain
	w      *csv.Writer
	stream bool // one stream's columns (time, value) only
	n      int
	rec    []string
}

// NewCohortCSV writes the cohort columns as gzip-compressed CSV.
func NewCohortCSV(w io.Writer) (RowWriter, error) {
	gz := gzip.NewWriter(w)
	c := &csvWriter{gz: gz, w: csv.NewWriter(gz), rec: make([]string, len(CohortColumns))}
	return c, c.w.Write(CohortColumns)
}

// NewStreamCSV writes one stream's readings as plain CSV: time, value.
func NewStreamCSV(w io.Writer) (RowWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w), stream: true, rec: make([]string, len(StreamColumns))}
	return c, c.w.Write(StreamColumns)
}

func (c *csvWriter) Write(r Row) error {
	at, v := r.Time.UTC().Format(TimeLayout), strconv.FormatFloat(r.Value, 'g', -1, 64)
	if c.stream {
		c.rec[0], c.rec[1] = at, v
	} else {
		c.rec[0], c.rec[1], c.rec[2], c.rec[3], c.rec[4], c.rec[5] = r.Installation, r.Stream, r.Kind, r.Unit, at, v
	}
	if err := c.w.Write(c.rec); err != nil {
		return err
	}
	if c.n++; c.n%flushEvery == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	if c.gz != nil {
		return c.gz.Close()
	}
	return nil
}

// parquetWriter writes rows as Parquet (Snappy-compressed columns, which pandas, polars and R read), one
// row group every RowGroupRows rows.
type parquetWriter struct {
	w   *parquet.GenericWriter[Row]
	buf []Row
}

// NewCohortParquet writes the cohort rows as Parquet.
func NewCohortParquet(w io.Writer) RowWriter {
	return &parquetWriter{w: parquet.NewGenericWriter[Row](w, parquet.MaxRowsPerRowGroup(RowGroupRows),
		parquet.Compression(&parquet.Snappy)), buf: make([]Row, 0, 1024)}
}

func (p *parquetWriter) Write(r Row) error {
	p.buf = append(p.buf, r)
	if len(p.buf) == cap(p.buf) {
		return p.flush()
	}
	return nil
}

func (p *parquetWriter) flush() error {
	_, err := p.w.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

func (p *parquetWriter) Close() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.w.Close()
}

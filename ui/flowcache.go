package ui

import "github.com/s3crypt/s3crypt/ui/styles"

// rowCache keeps the flow's drawn rows: the panel is redrawn on every
// frame (ten a second during a transfer) and a long job has hundreds of
// rows, each drawn the same for the same width and styles. The model owns
// one; a nil cache draws every time (tests, goldens).
type rowCache struct {
	st *styles.Styles
	m  map[rowKey][]string
}

type rowKey struct {
	r flowRow
	w int
}

// maxCachedRows bounds the cache; it starts afresh past it.
const maxCachedRows = 4096

// draw is drawRow, remembered.
func (c *rowCache) draw(st *styles.Styles, ln lanes, r flowRow, w int) []string {
	if c == nil {
		return drawRow(st, ln, r, w)
	}
	if c.st != st || len(c.m) >= maxCachedRows {
		c.st, c.m = st, map[rowKey][]string{}
	}
	k := rowKey{r, w}
	if lines, ok := c.m[k]; ok {
		return lines
	}
	lines := drawRow(st, ln, r, w)
	c.m[k] = lines
	return lines
}

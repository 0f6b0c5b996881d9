package businessprofile

import "image"

// orient turns a stored image into how EXIF orientation o says it is seen.
// Each case maps a pixel of the result (x, y) to the stored pixel it shows;
// w and h are the stored width and height.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 { // 5–8 swap the axes
		dw, dh = h, w
	}
	from := func(x, y int) (int, int) {
		switch o {
		case 2: // mirrored left to right
			return w - 1 - x, y
		case 3: // upside down
			return w - 1 - x, h - 1 - y
		case 4: // mirrored top to bottom
			return x, h - 1 - y
		case 5: // transposed
			return y, x
		case 6: // turn 90° clockwise to view
			return y, h - 1 - x
		case 7: // transversed
			return w - 1 - y, h - 1 - x
		default: // 8: turn 90° anticlockwise to view
			return w - 1 - y, x
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			sx, sy := from(x, y)
			si := src.PixOffset(b.Min.X+sx, b.Min.Y+sy)
			di := dst.PixOffset(x, y)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

package fleet

import (
	"fmt"
	"strings"
	"time"
)

// Month names for dates as Indonesian and English sites print them.
func monthName(m time.Month, en bool) string {
	if en {
		return m.String()
	}
	return [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
		"Agustus", "September", "Oktober", "November", "Desember"}[m-1]
}

// formatDate prints "12 Januari 2026" or "12 January 2026".
func formatDate(t time.Time, en bool) string {
	return fmt.Sprintf("%d %s %d", t.Day(), monthName(t.Month(), en), t.Year())
}

// newsTitles are neutral local news headlines: none of them mentions a
// service, a form or a channel, so news never adds a feature by accident.
func newsTitles(en bool) []string {
	if en {
		return []string{
			"New footbridge opens over the River Thorn",
			"Summer festival returns to the town square",
			"Councillors approve library refurbishment",
			"Tree planting day draws 300 volunteers",
			"Road resurfacing on High Street completed",
			"Youth football league kicks off",
			"Community centre reopens after renovation",
			"Remembrance Sunday service arrangements",
			"Farmers' market moves to Saturdays",
			"Local heritage trail launched",
		}
	}
	return []string{
		"Peresmian Jembatan Penghubung Dua Kecamatan",
		"Festival Budaya Daerah Meriahkan Akhir Pekan",
		"Gotong Royong Bersihkan Pantai Bersama Warga",
		"Rapat Koordinasi Kesiapsiagaan Banjir Musim Hujan",
		"Peringatan Hari Jadi Daerah Berlangsung Khidmat",
		"Pelatihan Batik Tulis bagi 120 Pengrajin Lokal",
		"Penanaman 5.000 Bibit Mangrove di Pesisir Utara",
		"Turnamen Sepak Bola Antarkecamatan Resmi Dibuka",
		"Vaksinasi Ternak Serentak di Enam Desa",
		"Pasar Murah Jelang Ramadan Digelar di Alun-Alun",
		"Perbaikan Jalan Poros Desa Capai 80 Persen",
		"Lomba Kebersihan Lingkungan Tingkat Kelurahan",
		"Posyandu Remaja Hadir di Puskesmas Kota",
		"Upacara Peringatan Hari Pahlawan di Lapangan Merdeka",
		"Panen Raya Padi Bersama Kelompok Tani",
		"Pentas Seni Pelajar Tingkat Kabupaten",
	}
}

// newsItem is one dated article of a site.
type newsItem struct {
	n     int
	title string
	date  time.Time
}

// news returns article n (1-based). Articles are dated back from the
// reference date, a few days apart, so the newest is always first.
func (s *site) news(n int, ref time.Time, offset int) newsItem {
	titles, i := newsTitles(s.en), n-1+offset
	if t := classNewsTitles(s.spec.class); t != nil {
		// In the order written: the headlines that make the class lead.
		titles, i = t, n-1
	}
	return newsItem{
		n:     n,
		title: titles[i%len(titles)],
		date:  ref.AddDate(0, 0, -(n-1)*3-1-offset%3),
	}
}

// slug turns a title into a URL path segment.
func slug(t string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(t) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// document is a PDF a site links to.
type document struct{ file, title string }

// documents returns the PDFs of a kind ("budget", "regulations", "forms", "ppid").
func (s *site) documents(kind string) []document {
	head := "Wali Kota"
	if s.spec.head == headBupati {
		head = "Bupati"
	} else if s.spec.head == headGubernur {
		head = "Gubernur"
	}
	switch kind {
	case "budget":
		if s.en {
			return []document{{"budget-2026.pdf", "Annual Budget 2026"}, {"statement-of-accounts-2025.pdf", "Statement of Accounts 2025"}, {"audit-report-2025.pdf", "External Audit Report 2025"}}
		}
		return []document{{"apbd-2026.pdf", "Peraturan Daerah tentang APBD Tahun Anggaran 2026"}, {"rpjmd-2025-2029.pdf", "RPJMD 2025-2029"},
			{"lkpj-2025.pdf", "LKPJ " + head + " Tahun 2025"}, {"sakip-lkjip-2025.pdf", "Laporan Kinerja (SAKIP/LKjIP) 2025"}}
	case "regulations":
		if s.en {
			return []document{{"byelaws-parks-2024.pdf", "Parks and Open Spaces Byelaws 2024"}, {"licensing-policy-2025.pdf", "Statement of Licensing Policy 2025"}}
		}
		p := "perbup"
		if head == "Wali Kota" {
			p = "perwali"
		} else if head == "Gubernur" {
			p = "pergub"
		}
		first := document{"perda-2-2025.pdf", "Peraturan Daerah Nomor 2 Tahun 2025 tentang Rencana Tata Ruang Wilayah"}
		if s.spec.traps {
			// Every region passed this perda after the 2022 fiscal law; its
			// title names local taxes, yet it is no online tax service.
			first = document{"perda-1-2025.pdf", "Peraturan Daerah Nomor 1 Tahun 2025 tentang Pajak Daerah dan Retribusi Daerah"}
		}
		return []document{first,
			{"perda-4-2025.pdf", "Peraturan Daerah Nomor 4 Tahun 2025 tentang Penyelenggaraan Ketertiban Umum"},
			{p + "-15-2025.pdf", "Peraturan " + head + " Nomor 15 Tahun 2025 tentang Standar Pelayanan Publik"}}
	case "forms":
		if s.en {
			return []document{{"form-street-trading-licence.pdf", "Street trading licence application form"}, {"form-blue-badge.pdf", "Blue Badge parking permit form"}}
		}
		if s.spec.traps {
			// A paper permit form to download: a permit word, no online permit.
			return []document{{"formulir-izin-keramaian.pdf", "Formulir Permohonan Izin Keramaian"},
				{"formulir-sku.pdf", "Formulir Surat Keterangan Usaha"}}
		}
		return []document{{"formulir-pindah-datang.pdf", "Formulir Surat Keterangan Pindah Datang (F-1.03)"},
			{"formulir-biodata-keluarga.pdf", "Formulir Biodata Keluarga (F-1.01)"},
			{"formulir-sku.pdf", "Formulir Surat Keterangan Usaha"}}
	case "ppid":
		return []document{{"dip-2026.pdf", "Daftar Informasi Publik (DIP) 2026"}, {"laporan-ppid-2025.pdf", "Laporan Layanan Informasi Publik 2025"}}
	}
	return nil
}

// documentTitle finds a PDF the site publishes on any of its hosts.
func (s *site) documentTitle(file string) (string, bool) {
	if s.synthetic {
		return "", false
	}
	for _, k := range []struct{ kind, feature string }{{"budget", "budget"}, {"regulations", "regulations"}, {"forms", "forms_download"}, {"ppid", "public_info"}} {
		if !s.feat[k.feature] {
			continue
		}
		for _, d := range s.documents(k.kind) {
			if d.file == file {
				return d.title, true
			}
		}
	}
	return "", false
}

// pdfDocument is a minimal, valid one-page PDF whose text is the title.
// Offsets in the cross-reference table are computed, so readers accept it.
func pdfDocument(title string) []byte {
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(asciiOnly(title))
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", esc)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return []byte(b.String())
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '?'
		}
		return r
	}, s)
}

// datasets are the open data a satu data portal lists.
func datasets() []document {
	return []document{
		{"jumlah-penduduk-per-kecamatan", "Jumlah Penduduk per Kecamatan"},
		{"realisasi-apbd", "Realisasi APBD"},
		{"fasilitas-kesehatan", "Daftar Fasilitas Kesehatan"},
		{"sekolah-negeri", "Daftar Sekolah Negeri"},
		{"panjang-jalan-kabupaten", "Panjang Jalan menurut Kondisi"},
	}
}

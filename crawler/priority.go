package crawler

import "strings"

// serviceWords are the words, in Indonesian and English, that tell a link
// leads where evidence of e-government lives: services, complaints, public
// information (PPID), forms, licensing, payment, data and login. Weights
// rank transactions and integrations above mere information.
var serviceWords = []struct {
	word   string
	weight int
}{
	{"layanan", 3}, {"pelayanan", 3}, {"service", 3}, {"e-service", 4}, {"online", 2},
	{"pengaduan", 4}, {"aduan", 4}, {"lapor", 4}, {"complain", 4}, {"aspirasi", 3},
	{"ppid", 4}, {"informasi publik", 4}, {"public information", 4}, {"keterbukaan", 3},
	{"formulir", 3}, {"form", 2}, {"unduh", 1}, {"download", 1},
	{"perizinan", 4}, {"izin", 3}, {"ijin", 3}, {"licens", 4}, {"permit", 4}, {"sicantik", 4},
	{"oss", 2}, {"mpp", 3}, {"mal pelayanan", 4},
	{"bayar", 4}, {"pembayaran", 4}, {"payment", 4}, {"retribusi", 4}, {"pajak", 4}, {"tax", 3},
	{"billing", 3}, {"e-samsat", 4}, {"pbb", 3}, {"bphtb", 4},
	{"data", 2}, {"statistik", 2}, {"statistic", 2}, {"opendata", 3}, {"satu data", 3}, {"transparansi", 2},
	{"anggaran", 2}, {"apbd", 2},
	{"login", 3}, {"masuk", 2}, {"daftar", 2}, {"register", 2}, {"sign in", 3}, {"akun", 2},
	{"kependudukan", 3}, {"dukcapil", 3}, {"e-ktp", 3}, {"akta", 2}, {"antrian", 3}, {"reservasi", 3},
	{"tracking", 2}, {"lacak", 2}, {"cek status", 3}, {"status permohonan", 4}, {"permohonan", 3},
}

// serviceScore rates how strongly a link's text and URL suggest a service.
// Zero means nothing suggests one.
func serviceScore(text, rawURL string) int {
	s := strings.ToLower(text) + " " + strings.ToLower(rawURL)
	score := 0
	for _, w := range serviceWords {
		if strings.Contains(s, w.word) {
			score += w.weight
		}
	}
	return min(score, 20)
}

// checkWorthy reports whether an off-scope link is advertised as a service
// strongly enough to check that it answers.
func checkWorthy(text, rawURL string) bool {
	return serviceScore(text, "") >= 3 || serviceScore("", rawURL) >= 4
}

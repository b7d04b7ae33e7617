package store

import "os"

func filepathStat(dir string) (os.FileInfo, error) { return os.Stat(dir) }

module github.com/egovbench/egovbench

go 1.26

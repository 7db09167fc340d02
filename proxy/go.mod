module github.com/gocanister/stripe-ic/proxy

go 1.26.4

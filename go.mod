module serenade

go 1.26.8

build2/obj/src/lib/quant/fp16.o: src/lib/quant/fp16.c include/kolm/fp16.h
include/kolm/fp16.h:

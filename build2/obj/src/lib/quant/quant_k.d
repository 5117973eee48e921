build2/obj/src/lib/quant/quant_k.o: src/lib/quant/quant_k.c \
 src/lib/quant/quant_k_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h
src/lib/quant/quant_k_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:

build2/obj/src/lib/quant/quant_ref.o: src/lib/quant/quant_ref.c \
 src/lib/quant/quant_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h
src/lib/quant/quant_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:

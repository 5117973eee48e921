build2/obj/src/lib/quant/kernels_ref.o: src/lib/quant/kernels_ref.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:

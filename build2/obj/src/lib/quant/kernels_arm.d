build2/obj/src/lib/quant/kernels_arm.o: src/lib/quant/kernels_arm.c \
 src/lib/quant/kernels_ref_internal.h src/lib/quant/block_internal.h \
 include/kolm/fp16.h src/lib/quant/kernels_arm_internal.h
src/lib/quant/kernels_ref_internal.h:
src/lib/quant/block_internal.h:
include/kolm/fp16.h:
src/lib/quant/kernels_arm_internal.h:

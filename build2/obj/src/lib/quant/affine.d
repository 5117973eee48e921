build2/obj/src/lib/quant/affine.o: src/lib/quant/affine.c \
 include/kolm/affine.h
include/kolm/affine.h:

build2/obj/src/lib/core/err.o: src/lib/core/err.c include/kolm/err.h
include/kolm/err.h:

//! The Docker side: connect, launch the image with the runner injected, collect, clean up.

/**
 * cnn-data: IDX (MNIST, Fashion-MNIST), image folders and CSV tables as datasets, with standardisation.
 *
 * <p>DJL ({@code ai.djl.api}) is optional: only {@link dev.cnn.data.ImageFolder} (image decoding) and
 * {@link dev.cnn.data.MnistDownload} use it. On the module path it is read only when resolved, i.e. when
 * your module {@code requires ai.djl.api} or the JVM gets {@code --add-modules ai.djl.api}; IDX, CSV and
 * {@code .npy} need neither it nor its dependencies.
 */
module dev.cnn.data {
    requires transitive dev.cnn.core;
    requires static ai.djl.api;
    requires java.desktop;
    requires org.apache.commons.csv;
    requires org.apache.logging.log4j;

    exports dev.cnn.data;
}

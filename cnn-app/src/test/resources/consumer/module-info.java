module example.consumer {
    requires dev.cnn.nn;
    requires dev.cnn.data;
}

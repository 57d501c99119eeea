// The independent check of our ONNX face embedder: dlib's own C++ implementation (Debian's libdlib) finds faces,
// aligns them with the 5-point shape predictor and computes descriptors. It writes, per face:
//   <out>/<stem>.<i>.rgb     the aligned 150x150 chip, raw RGB24 (what the C# test feeds to the ONNX model)
//   <out>/<stem>.<i>.txt     line 1: the 5 landmarks "x0 y0 ... x4 y4" in image pixels;
//                            line 2: the face box "left top right bottom"; line 3: the 128 descriptor values;
//                            line 4: the photo's "width height"
//   <out>/<stem>.image.rgb   the photo as dlib decoded it, raw RGB24 (for our own alignment from the same landmarks)
// Jobs come on stdin, one a line: "IMAGE<TAB>STEM" (faces found by dlib's HOG detector) or
// "IMAGE<TAB>STEM<TAB>LEFT TOP WIDTH HEIGHT" (a face box given by hand, e.g. from kphotoalbum's index.xml).
// Usage: face_reference SHAPE_PREDICTOR_5.dat RESNET.dat OUT_DIR < JOBS
#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

using namespace dlib;

// The network of dnn_face_recognition_ex.cpp (the layout the .dat file was saved with).
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;
template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;
template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;
template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;
using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

int main(int argc, char** argv)
{
    if (argc != 4)
    {
        std::cerr << "usage: face_reference SHAPE_PREDICTOR_5.dat RESNET.dat OUT_DIR < JOBS\n";
        return 2;
    }
    try
    {
        frontal_face_detector detector = get_frontal_face_detector();
        shape_predictor sp;
        deserialize(argv[1]) >> sp;
        anet_type net;
        deserialize(argv[2]) >> net;
        const std::string out = argv[3];
        std::string line;
        while (std::getline(std::cin, line))
        {
            std::istringstream fields(line);
            std::string path, name, box;
            std::getline(fields, path, '\t');
            std::getline(fields, name, '\t');
            std::getline(fields, box);
            matrix<rgb_pixel> img;
            load_image(img, path);
            std::vector<rectangle> faces;
            if (box.empty())
                faces = detector(img, 1); // one upsampling finds faces down to ~40 px, as dlib's example does
            else
            {
                std::istringstream b(box);
                long l, t, w, h;
                b >> l >> t >> w >> h;
                faces.push_back(rectangle(l, t, l + w - 1, t + h - 1));
            }
            if (!faces.empty())
            {
                std::ofstream whole(out + "/" + name + ".image.rgb", std::ios::binary);
                for (long r = 0; r < img.nr(); ++r)
                    for (long c = 0; c < img.nc(); ++c)
                        whole.put((char)img(r, c).red).put((char)img(r, c).green).put((char)img(r, c).blue);
            }
            int i = 0;
            for (auto face : faces)
            {
                full_object_detection shape = sp(img, face);
                matrix<rgb_pixel> chip;
                extract_image_chip(img, get_face_chip_details(shape, 150, 0.25), chip);
                matrix<float, 0, 1> d = net(chip);
                const std::string stem = out + "/" + name + "." + std::to_string(i++);
                std::ofstream rgb(stem + ".rgb", std::ios::binary);
                for (long r = 0; r < chip.nr(); ++r)
                    for (long c = 0; c < chip.nc(); ++c)
                        rgb.put((char)chip(r, c).red).put((char)chip(r, c).green).put((char)chip(r, c).blue);
                std::ofstream txt(stem + ".txt");
                txt << std::setprecision(9);
                for (unsigned long p = 0; p < shape.num_parts(); ++p)
                    txt << (p ? " " : "") << shape.part(p).x() << " " << shape.part(p).y();
                txt << "\n" << face.left() << " " << face.top() << " " << face.right() << " " << face.bottom() << "\n";
                for (long k = 0; k < d.size(); ++k)
                    txt << (k ? " " : "") << d(k);
                txt << "\n" << img.nc() << " " << img.nr() << "\n";
            }
            std::cout << name << " " << i << "\n";
        }
    }
    catch (std::exception& e)
    {
        std::cerr << "face_reference: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

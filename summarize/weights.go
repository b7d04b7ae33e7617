package summarize

// Sentence model weights (features.go), fitted on the labelled abstracts by
// PAPERBOY_FIT=1 PAPERBOY_FIT_OUT=$PWD/weights.go go test -run TestFitSentenceModels .
// Do not edit by hand.

// ideaPrior is the share of labelled abstracts whose idea one sentence states.
const ideaPrior = 0.7819

var (
	ideaWeights = [nFeatures]float64{
		fBias:          0.0000,  // bias
		fFirst:         -1.4648, // first
		fLast:          -1.0405, // last
		fRelPos:        -0.1030, // relpos
		fRelPos2:       -1.5337, // relpos2
		fWeVerb:        0.6177,  // we-verb
		fPaperVerb:     0.9896,  // paper-verb
		fMethodCue:     0.0438,  // method-cue
		fResultCue:     -0.1031, // result-cue
		fNumber:        -0.1815, // number
		fNamed:         0.2700,  // named
		fBackground:    -0.2282, // background
		fLink:          -0.0877, // link
		fShort:         0.1209,  // short
		fLong:          -0.6083, // long
		fLogLen:        1.4796,  // loglen
		fInsight:       0.8344,  // insight
		fSpecifically:  0.1396,  // specifically
		fMechanism:     0.5473,  // mechanism
		fShow:          -0.5519, // show
		fFirstContrib:  0.3564,  // first-contrib
		fAfterContrib:  -0.1551, // after-contrib
		fBeforeContrib: -0.5058, // before-contrib
		fWeOur:         1.3312,  // we-our
		fQuestion:      0.2326,  // question
		fContrast:      -0.2287, // contrast
		fNovel:         -0.0442, // novel
		fOutperform:    -0.6316, // outperform
		fExperiments:   -0.2233, // experiments
		fAim:           0.5529,  // aim
		fEnables:       -0.2479, // enables
		fDataset:       -0.1921, // dataset
		fComponent:     0.5473,  // component
		fNextContrib:   0.7586,  // next-contrib
		fFirstWe:       -0.1882, // first-we
		fBeforeResult:  0.0082,  // before-result
		fAfterNamed:    0.8383,  // after-named
	}
	eitherWeights = [nFeatures]float64{
		fBias:          -2.5381, // bias
		fFirst:         -0.5022, // first
		fLast:          0.3331,  // last
		fRelPos:        0.3955,  // relpos
		fRelPos2:       0.2857,  // relpos2
		fWeVerb:        0.2558,  // we-verb
		fPaperVerb:     0.1072,  // paper-verb
		fMethodCue:     0.3181,  // method-cue
		fResultCue:     0.2367,  // result-cue
		fNumber:        0.1429,  // number
		fNamed:         0.0834,  // named
		fBackground:    -0.1491, // background
		fLink:          -0.2383, // link
		fShort:         -0.0545, // short
		fLong:          -0.0125, // long
		fLogLen:        0.9722,  // loglen
		fInsight:       0.1972,  // insight
		fSpecifically:  0.0337,  // specifically
		fMechanism:     0.3553,  // mechanism
		fShow:          0.1346,  // show
		fFirstContrib:  0.4767,  // first-contrib
		fAfterContrib:  0.0550,  // after-contrib
		fBeforeContrib: -0.5877, // before-contrib
		fWeOur:         0.4708,  // we-our
		fQuestion:      0.0287,  // question
		fContrast:      -0.0770, // contrast
		fNovel:         0.1016,  // novel
		fOutperform:    0.3587,  // outperform
		fExperiments:   0.4141,  // experiments
		fAim:           0.1276,  // aim
		fEnables:       -0.0038, // enables
		fDataset:       0.1655,  // dataset
		fComponent:     0.0474,  // component
		fNextContrib:   0.3060,  // next-contrib
		fFirstWe:       -0.0042, // first-we
		fBeforeResult:  -0.0122, // before-result
		fAfterNamed:    0.2724,  // after-named
	}
)
